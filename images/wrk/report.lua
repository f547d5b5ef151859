-- wrk reporter: after the run, print exactly one JSON line (schema lab.wrk/1).
-- Times are wrk's own unit, microseconds. The lab parses only this line and keeps
-- wrk's human-readable text beside it as raw data.

-- A request other than a plain GET comes as the script's arguments, after `--`:
-- METHOD BODY CONTENT_TYPE [HEADER...] (lab.model.scenarios.Request.generator_args). BODY
-- is `=text`, sent as it is, or a byte count of the lab's pattern ("0123456789abcdef"
-- repeated, as lab.model.scenarios.request_body and the probe make it); CONTENT_TYPE is
-- `-` for none; each HEADER is `Name: value`. wrk formats its one request after init,
-- from wrk.method, wrk.body and wrk.headers.
--
-- A mix comes as `mix` then WEIGHT PATH for each part (lab.model.mix.Mix.generator_args):
-- plain GETs, each thread sending them in one smooth weighted round-robin (nginx's, the
-- first part on a tie, as lab.model.mix.smooth_order), so that every cycle of
-- sum(WEIGHT) requests holds each part exactly WEIGHT times. wrk asks thread 1 for one
-- request before the run to check it: that thread's order starts one step in.
local function mix(args)
  local weights, requests, credit, order, total = {}, {}, {}, {}, 0
  for i = 2, #args, 2 do
    weights[#weights + 1] = tonumber(args[i])
    requests[#requests + 1] = wrk.format("GET", args[i + 1])
    credit[#credit + 1] = 0
    total = total + tonumber(args[i])
  end
  for n = 1, total do
    local best = 1
    for i = 1, #weights do
      credit[i] = credit[i] + weights[i]
      if credit[i] > credit[best] then
        best = i
      end
    end
    credit[best] = credit[best] - total
    order[n] = requests[best]
  end
  local n = 0
  request = function()
    n = n % total + 1
    return order[n]
  end
end

init = function(args)
  if #args == 0 then
    return
  end
  if args[1] == "mix" then
    mix(args)
    return
  end
  wrk.method = args[1]
  if args[2]:sub(1, 1) == "=" then
    wrk.body = args[2]:sub(2)
  else
    local size = tonumber(args[2])
    local pattern = "0123456789abcdef"
    if size > 0 then
      wrk.body = string.rep(pattern, math.floor(size / #pattern) + 1):sub(1, size)
    end
  end
  if args[3] ~= "-" then
    wrk.headers["Content-Type"] = args[3]
  end
  for i = 4, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    wrk.headers[name] = value
  end
end

local function int(x)
  return string.format("%d", math.floor(x + 0.5))
end

local function num(x)
  return string.format("%.3f", x)
end

done = function(summary, latency, requests)
  local e = summary.errors
  local parts = {
    '{"schema":"lab.wrk/1"',
    ',"duration_us":', int(summary.duration),
    ',"requests":', int(summary.requests),
    ',"bytes":', int(summary.bytes),
    ',"errors":{"connect":', int(e.connect),
    ',"read":', int(e.read),
    ',"write":', int(e.write),
    ',"status":', int(e.status),
    ',"timeout":', int(e.timeout), '}',
    ',"latency_us":{"min":', int(latency.min),
    ',"mean":', num(latency.mean),
    ',"stdev":', num(latency.stdev),
    ',"max":', int(latency.max),
    ',"p50":', int(latency:percentile(50)),
    ',"p75":', int(latency:percentile(75)),
    ',"p90":', int(latency:percentile(90)),
    ',"p99":', int(latency:percentile(99)),
    ',"p99_9":', int(latency:percentile(99.9)),
    '}}\n',
  }
  io.write(table.concat(parts))
end
