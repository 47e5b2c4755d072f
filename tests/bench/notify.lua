-- wrk script: durable Notify batches of 100 NewMail events, each a new
-- message for one of USERS backend users.
--   wrk ... -s notify.lua URL -- SESSION USERS RUN
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local bench = require("bench")
setup, init, done = bench.setup, bench.init, bench.done

local event = [[<ocs:event><ocs:type>NewMail</ocs:type><ocs:kind>message</ocs:kind><ocs:backend>SOGo</ocs:backend><ocs:username>user%d</ocs:username><ocs:folder>INBOX</ocs:folder><ocs:messageID>%s</ocs:messageID></ocs:event>]]
local counter = 0
function request()
  local parts = { "<ocs:Notify>" }
  for i = 1, 100 do
    counter = counter + 1
    parts[#parts + 1] = string.format(event, bench.message(counter))
  end
  parts[#parts + 1] = "</ocs:Notify>"
  return bench.post(table.concat(parts))
end
