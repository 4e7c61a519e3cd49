package dev.streamgate.web;

/**
 * The gateway's URLs that name a generation, parsed in one place for the access filter (which
 * generation a ticket must be for), the streaming routes and {@code /v1}: {@code
 * /api/generations/{id}}, its {@code /events} and {@code /poll}, and {@code
 * /v1/chat/completions/{id}} (a completion id, {@code chatcmpl-} and the generation's, or the
 * generation's own). Paths are relative to the context path.
 */
public final class Routes {

  public static final String GENERATIONS = "/api/generations/";
  public static final String COMPLETIONS = "/v1/chat/completions";
  public static final String COMPLETION_PREFIX = "chatcmpl-";
  public static final String EVENTS = "events";
  public static final String POLL = "poll";
  public static final String STATUS = "";
  public static final String COMPLETION = "completion";

  private Routes() {}

  /**
   * A path that names a generation: its id, and what of it is asked for ({@link #STATUS}, {@link
   * #EVENTS}, {@link #POLL} or {@link #COMPLETION}).
   */
  public record Route(String generation, String what) {}

  /** The route of {@code path}, or null if it names no generation. */
  public static Route of(String path) {
    if (path.startsWith(GENERATIONS)) {
      String rest = path.substring(GENERATIONS.length());
      int slash = rest.indexOf('/');
      String id = slash < 0 ? rest : rest.substring(0, slash);
      String what = slash < 0 ? STATUS : rest.substring(slash + 1);
      boolean known = slash < 0 || what.equals(EVENTS) || what.equals(POLL);
      return !id.isEmpty() && known ? new Route(id, what) : null;
    }
    if (path.startsWith(COMPLETIONS + "/")) {
      String id = path.substring(COMPLETIONS.length() + 1);
      if (id.startsWith(COMPLETION_PREFIX)) {
        id = id.substring(COMPLETION_PREFIX.length());
      }
      return !id.isEmpty() && id.indexOf('/') < 0 ? new Route(id, COMPLETION) : null;
    }
    return null;
  }

  /** The id of the generation {@code path} names, or null. */
  public static String generationOf(String path) {
    Route route = of(path);
    return route == null ? null : route.generation();
  }

  /** Whether errors on {@code path} go out in OpenAI's envelope rather than as problem+json. */
  public static boolean isOpenAi(String path) {
    return path.startsWith("/v1/");
  }
}
