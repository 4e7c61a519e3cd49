package dev.streamgate.cluster;

import dev.streamgate.runtime.Scheduling;
import dev.streamgate.runtime.Settings;
import dev.streamgate.stream.Cluster;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

/**
 * Makes the node a cluster member when {@code STREAMGATE_REDIS_URL} is set, and a single node
 * otherwise. Read at start, so a bad cluster setting stops the start.
 */
@ApplicationScoped
public class ClusterProducer {

  @Produces
  @ApplicationScoped
  Cluster cluster(Settings settings, Scheduling scheduling) {
    ClusterSettings cluster = ClusterSettings.of(settings);
    if (cluster == null) {
      return Cluster.LOCAL;
    }
    RedisCluster redis = new RedisCluster(cluster, scheduling.timers());
    redis.start();
    return redis;
  }

  void close(@Disposes Cluster cluster) {
    if (cluster instanceof RedisCluster redis) {
      redis.close();
    }
  }

  void atStartup(@Observes @Initialized(ApplicationScoped.class) Object event, Cluster cluster) {
    cluster.isAvailable(); // creates it now: a bad setting fails the start, not the first request
  }
}
