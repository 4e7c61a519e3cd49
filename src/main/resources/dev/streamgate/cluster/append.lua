-- Appends a batch of tokens (and possibly the end) to a generation's log.
-- KEYS: meta, log, the owner's live counts
-- ARGV: node, first seq, token lengths (comma-separated), their text, ttl millis,
--       end reason ('' while running), tokens, error code, error message,
--       prompt tokens, completion tokens ('' if unknown), number of tokens in the batch,
--       count ("1" if the generation counts against its owner)
-- Returns 1; 0 when the generation has already ended (another node declared its producer lost);
-- -1 when Redis no longer knows it (restarted without persistence): the producer re-opens it.
local meta, log = KEYS[1], KEYS[2]
if redis.call('EXISTS', meta) == 0 then
  return -1
end
if redis.call('HEXISTS', meta, 'end') == 1 then
  return 0
end
local first, count = tonumber(ARGV[2]), tonumber(ARGV[12])
local last = tonumber(redis.call('HGET', meta, 'last'))
-- A retry after a lost reply resends what is stored; readers skip seqs they have.
if count > 0 and first + count - 1 > last then
  redis.call('XADD', log, '*', 'f', ARGV[2], 'l', ARGV[3], 'x', ARGV[4])
  redis.call('HSET', meta, 'last', first + count - 1)
end
if ARGV[6] ~= '' then
  redis.call('XADD', log, '*', 'e', ARGV[6], 'n', ARGV[7], 'c', ARGV[8], 'm', ARGV[9],
    'up', ARGV[10], 'uc', ARGV[11])
  redis.call('HSET', meta, 'end', ARGV[6])
  if ARGV[13] == '1' then
    redis.call('HINCRBY', KEYS[3], ARGV[1], -1)
  end
end
redis.call('PEXPIRE', meta, ARGV[5])
redis.call('PEXPIRE', log, ARGV[5])
return 1
