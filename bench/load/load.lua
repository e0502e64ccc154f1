-- wrk script of bench/load/run.sh: every connection's thread cycles through the paths file from its
-- own offset. A line is "K /path" (sent with the API key, args[2]) or "- /path" (no key, as a
-- public dashboard asks). Requests are formatted once, in init.
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  reqs = {}
  for line in io.lines(args[1]) do
    local key, path = line:match("^(%S+) (.+)$")
    local headers = {}
    if key == "K" then headers["X-Api-Key"] = args[2] end
    reqs[#reqs + 1] = wrk.format("GET", path, headers)
  end
  local nthreads = tonumber(args[3]) or 1
  idx = math.floor((tid or 0) * #reqs / nthreads)
end

function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end
