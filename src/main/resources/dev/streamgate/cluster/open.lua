-- Makes a new generation known to the cluster, within its owner's cluster-wide live limit.
-- KEYS: meta, the owner's live counts (a hash: node -> generations it runs for that owner)
-- ARGV: node, model, owner, created millis, ttl millis, max live (0: no limit), lease key prefix,
--       count ("1": count it against the owner, "0": do not, e.g. a re-open after Redis lost it)
-- Returns 1, or 0 when the owner already runs its maximum on live nodes.
local max = tonumber(ARGV[6])
if max > 0 then
  local total = 0
  local counts = redis.call('HGETALL', KEYS[2])
  for i = 1, #counts, 2 do
    if redis.call('EXISTS', ARGV[7] .. counts[i]) == 1 then
      total = total + tonumber(counts[i + 1])
    else
      redis.call('HDEL', KEYS[2], counts[i]) -- a node that died: its generations ended with it
    end
  end
  if total >= max then
    return 0
  end
end
if ARGV[8] == '1' then
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  redis.call('PEXPIRE', KEYS[2], 86400000)
end
redis.call('HSET', KEYS[1], 'node', ARGV[1], 'model', ARGV[2], 'owner', ARGV[3],
  'created', ARGV[4], 'last', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
