-- wrk script for proxylab's bench (instruments/wrk.py): counts answers that are not 2xx and,
-- when the run ends, prints one line "PROXYLAB_BENCH {json}" that the bench reads, so nothing
-- depends on the layout of wrk's human-readable output.
--
-- wrk runs each thread in a Lua state of its own: `setup` keeps a handle on every thread so
-- that `done` (which runs once, in the main state) can add up their counters.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non_2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  end
end

function done(summary, latency, requests)
  local non = 0
  for _, thread in ipairs(threads) do
    non = non + thread:get("non_2xx")
  end
  local e = summary.errors
  io.write(string.format(
    'PROXYLAB_BENCH {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, ' ..
    '"errors": {"connect": %.0f, "read": %.0f, "write": %.0f, "timeout": %.0f}, ' ..
    '"status_ge_400": %.0f, "non_2xx": %.0f, ' ..
    '"latency_us": {"min": %.0f, "mean": %.1f, "max": %.0f, "p50": %.0f, "p90": %.0f, "p99": %.0f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.timeout, e.status, non,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
