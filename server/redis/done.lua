-- done.lua: one call's end (see redis.go).
--
-- KEYS: the call's done marker; then the TPM hashes the call counted its tokens in (ARGV[4] of
-- them); then the concurrency sets it holds a slot of.
-- ARGV: the second the call was counted in, the tokens to add to its count there (used minus
-- estimated, maybe negative), the call id, the number of TPM hashes, the marker's TTL (ms).
-- The marker makes the correction happen once, however often Done is sent: it lives as long as a
-- second stays in the window, after which there is nothing left to correct. Seconds that left the
-- window (or whose hash expired) are not recreated. Removing the call's slots is idempotent as is.
-- Returns 1, or 0 when the call was done already.
local nt = tonumber(ARGV[4])
if nt > 0 and ARGV[2] ~= '0' then
	if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[5]) then
		return 0
	end
	for i = 2, 1 + nt do
		if redis.call('HEXISTS', KEYS[i], ARGV[1]) == 1 then
			redis.call('HINCRBY', KEYS[i], ARGV[1], ARGV[2])
		end
	end
end
for i = 2 + nt, #KEYS do
	redis.call('ZREM', KEYS[i], ARGV[3])
end
return 1
