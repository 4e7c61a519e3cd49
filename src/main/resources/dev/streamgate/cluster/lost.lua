-- Ends a generation whose producer node is gone (its lease expired), for every node at once.
-- KEYS: meta, log, the producer's lease
-- ARGV: retention millis, message
-- Returns 1 when it ended the generation, 0 when the producer lives or it had ended,
-- 2 when Redis knows neither the generation nor its producer (Redis lost them both).
if redis.call('EXISTS', KEYS[3]) == 1 then
  return 0
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 2
end
if redis.call('HEXISTS', KEYS[1], 'end') == 1 then
  return 0
end
local last = redis.call('HGET', KEYS[1], 'last')
redis.call('XADD', KEYS[2], '*', 'e', 'error', 'n', last, 'c', 'producer_lost', 'm', ARGV[2],
  'up', '', 'uc', '')
redis.call('HSET', KEYS[1], 'end', 'error')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
