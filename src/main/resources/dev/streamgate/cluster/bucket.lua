-- One start from an owner's cluster-wide token bucket.
-- KEYS: the bucket; ARGV: capacity, refill per second
-- Returns 0 when the start is admitted, else the seconds until one token is back.
local now = redis.call('TIME')
local millis = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or millis
tokens = math.min(capacity, tokens + math.max(0, millis - at) * rate)
if tokens < 1 then
  return math.ceil((1 - tokens) / rate / 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(millis))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate) + 1000)
return 0
