-- wrk script of bench/run: one request shape per run, a JSON summary on the last line.
--
--   wrk ... -s scenario.lua URL -- get PATH [HEADER: value ...]
--   wrk ... -s scenario.lua URL -- refresh CHAINS_FILE OFFSET BASIC_CREDENTIALS
--   wrk ... -s scenario.lua URL -- create_revoke BEARER_VALUE
--
-- `refresh` and `create_revoke` are chains: each response gives the next request (the new
-- refresh token; the id to revoke), so every thread has one connection (-t N -c N) and its
-- own chain, and never sends a request before the previous answer arrived.

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("index", counter)
   table.insert(threads, thread)
end

local mode, path, headers, body
local refresh_token, basic, bearer, pending_id
bad = 0  -- a global, so that done() can read it from each thread

function init(args)
   mode = args[1]
   headers = {}
   if mode == "get" then
      path = args[2]
      for i = 3, #args do
         local name, value = args[i]:match("^([^:]+):%s*(.*)$")
         headers[name] = value
      end
   elseif mode == "refresh" then
      local offset = tonumber(args[3])
      local line = 0
      for value in io.lines(args[2]) do
         if line == offset + index - 1 then refresh_token = value end
         line = line + 1
      end
      basic = args[4]
   elseif mode == "create_revoke" then
      bearer = args[2]
   end
end

function request()
   if mode == "get" then
      return wrk.format("GET", path, headers)
   elseif mode == "refresh" then
      return wrk.format("POST", "/api/o/token/", {
         ["Authorization"] = "Basic " .. basic,
         ["Content-Type"] = "application/x-www-form-urlencoded",
      }, "grant_type=refresh_token&refresh_token=" .. refresh_token)
   else
      local auth = {["Authorization"] = "Bearer " .. bearer, ["Content-Type"] = "application/json"}
      if pending_id then
         return wrk.format("DELETE", "/api/v2/tokens/" .. pending_id .. "/", auth)
      end
      return wrk.format("POST", "/api/v2/tokens/", auth, '{"description": "bench", "scope": "read"}')
   end
end

function response(status, response_headers, response_body)
   if status >= 300 then
      bad = bad + 1
   end
   if mode == "refresh" and status == 200 then
      refresh_token = response_body:match('"refresh_token"%s*:%s*"([^"]+)"') or refresh_token
   elseif mode == "create_revoke" then
      if pending_id then
         pending_id = nil
      elseif status == 201 then
         pending_id = response_body:match('"id"%s*:%s*(%d+)')
      end
   end
end

function done(summary, latency, requests)
   local failed = 0
   for _, thread in ipairs(threads) do
      failed = failed + (thread:get("bad") or 0)
   end
   local errors = summary.errors
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "non_2xx": %d, "socket_errors": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      failed, errors.connect + errors.read + errors.write + errors.timeout
   ))
end
