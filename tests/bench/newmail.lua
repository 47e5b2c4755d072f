-- wrk script: durable NewMail, each request a new message for one of USERS
-- backend users.
--   wrk ... -s newmail.lua URL -- SESSION USERS RUN
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local bench = require("bench")
setup, init, done = bench.setup, bench.init, bench.done

local counter = 0
function request()
  counter = counter + 1
  return bench.post(bench.newMail(counter))
end
