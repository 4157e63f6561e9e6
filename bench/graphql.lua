-- wrk script: POST GraphQL request bodies and report the results as one JSON line.
--
-- Usage: wrk ... -s bench/graphql.lua http://127.0.0.1:PORT/graphql -- BODIES_FILE [TOKEN]
--   BODIES_FILE  one compact JSON request body per line; requests take them in turn
--   TOKEN        access token for the Authorization header (omit for anonymous operations)
--        or: wrk ... -s bench/graphql.lua http://127.0.0.1:PORT/PATH -- --get
--   plain GETs of the URL's path (an HTTP operation such as a calendar feed), counting
--   only non-2xx answers
--
-- Every thread runs this file in its own Lua state; `done` collects the per-thread
-- counters through the thread objects kept by `setup`.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local bodies = {}
local next_body = 1
local plain_get = false
graphql_errors = 0
non_2xx = 0

function init(args)
  if args[1] == "--get" then
    plain_get = true
    return
  end
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    if #line > 0 then
      table.insert(bodies, line)
    end
  end
  file:close()
  assert(#bodies > 0, "no request bodies in " .. args[1])
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/graphql-response+json"
  if args[2] and #args[2] > 0 then
    wrk.headers["Authorization"] = "Bearer " .. args[2]
  end
end

function request()
  if plain_get then
    return wrk.format("GET")
  end
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  elseif not plain_get and body:find('"errors":[{', 1, true) then
    -- A top-level GraphQL error or a non-empty mutation `errors` list.
    graphql_errors = graphql_errors + 1
  end
end

function done(summary, latency, requests)
  local gql, status = 0, 0
  for _, thread in ipairs(threads) do
    gql = gql + thread:get("graphql_errors")
    status = status + thread:get("non_2xx")
  end
  local percentiles = {}
  for _, p in ipairs({ 50, 75, 90, 99, 99.9 }) do
    table.insert(percentiles, string.format('"%s":%d', tostring(p), latency:percentile(p)))
  end
  io.write(string.format(
    'WRK_JSON {"duration_us":%d,"requests":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"non_2xx":%d,"graphql_errors":%d,' ..
      '"latency_us":{"min":%d,"max":%d,"mean":%.1f,"stdev":%.1f,"percentiles":{%s}}}\n',
    summary.duration, summary.requests, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    status, gql,
    latency.min, latency.max, latency.mean, latency.stdev,
    table.concat(percentiles, ",")
  ))
end
