-- admit.lua: one call's admission against every rule, all or nothing (see redis.go).
--
-- KEYS: per limited rule, in the caller's order, three keys: its RPM hash, its TPM hash and its
-- concurrency sorted set. A hash maps a second (unix, as a decimal string) to that second's count;
-- the set holds the call ids holding a slot, scored by when (unix milliseconds) their lease ends.
-- ARGV: now (unix ms), the second of now, the call's tokens, its id, when its lease ends (ms), the
-- lease (ms), the window (seconds), the TTL of a hash (ms); then per rule its RPM, TPM and
-- Concurrent limits.
-- Returns {0} when admitted; {1, rule, kind, retry ms} when refused by the rule-th rule (kind 1
-- RPM, 2 TPM, 3 concurrent; retry 0: never); {2, rule} when the call id holds a slot already.
-- Every number written comes from ARGV, as the caller formatted it.
local now = tonumber(ARGV[1])
local field = ARGV[2]
local sec = tonumber(field)
local tokens = tonumber(ARGV[3])
local id = ARGV[4]
local lease_end = ARGV[5]
local lease = tonumber(ARGV[6])
local window = tonumber(ARGV[7])
local hash_ttl = ARGV[8]
local n = #KEYS / 3

-- counts sums a hash's seconds in the window, dropping those that left it, and returns the sum with
-- the seconds' {second, count} pairs.
local function counts(key)
	local all = redis.call('HGETALL', key)
	local total, list, stale = 0, {}, {}
	for i = 1, #all, 2 do
		local s = tonumber(all[i])
		if s <= sec - window then
			stale[#stale + 1] = all[i]
		else
			local v = tonumber(all[i + 1])
			total = total + v
			list[#list + 1] = {s, v}
		end
	end
	if #stale > 0 then
		redis.call('HDEL', key, unpack(stale))
	end
	return total, list
end

-- retry is how long (ms) until enough of the oldest seconds leave the window for need more to fit
-- max (need is at most max).
local function retry(list, total, need, max)
	table.sort(list, function(a, b) return a[1] < b[1] end)
	for _, c in ipairs(list) do
		total = total - c[2]
		if total + need <= max then
			return (c[1] + window) * 1000 - now
		end
	end
	return window * 1000
end

-- Check every rule; a refusal counts nothing.
for i = 1, n do
	local rpm, tpm, cc = tonumber(ARGV[6 + 3 * i]), tonumber(ARGV[7 + 3 * i]), tonumber(ARGV[8 + 3 * i])
	if rpm > 0 then
		local total, list = counts(KEYS[3 * i - 2])
		if total + 1 > rpm then
			return {1, i, 1, retry(list, total, 1, rpm)}
		end
	end
	if tpm > 0 then
		if tokens > tpm then
			return {1, i, 2, 0}
		end
		local total, list = counts(KEYS[3 * i - 1])
		if total + tokens > tpm then
			return {1, i, 2, retry(list, total, tokens, tpm)}
		end
	end
	if cc > 0 then
		local key = KEYS[3 * i]
		redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
		if redis.call('ZSCORE', key, id) then
			return {2, i}
		end
		if redis.call('ZCARD', key) >= cc then
			return {1, i, 3, 0}
		end
	end
end

-- Count the call against every rule.
for i = 1, n do
	local rpm, tpm, cc = tonumber(ARGV[6 + 3 * i]), tonumber(ARGV[7 + 3 * i]), tonumber(ARGV[8 + 3 * i])
	if rpm > 0 then
		redis.call('HINCRBY', KEYS[3 * i - 2], field, 1)
		redis.call('PEXPIRE', KEYS[3 * i - 2], hash_ttl)
	end
	if tpm > 0 then
		-- Even a call of no tokens makes its second's field, which its Done corrects.
		redis.call('HINCRBY', KEYS[3 * i - 1], field, ARGV[3])
		redis.call('PEXPIRE', KEYS[3 * i - 1], hash_ttl)
	end
	if cc > 0 then
		local key = KEYS[3 * i]
		redis.call('ZADD', key, lease_end, id)
		-- The set lives as long as its longest lease (replicas may lease for different times).
		if redis.call('PTTL', key) < lease then
			redis.call('PEXPIRE', key, ARGV[6])
		end
	end
end
return {0}
