-- wrk script: POST /v1/events with a new order each request (unique order ids, CDNOW customers 1..2357).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

function init(args)
  key = args[1]
  math.randomseed(1234 + id)
end

function request()
  counter = counter + 1
  local customer = math.random(1, 2357)
  local day = 1 + (counter % 28)
  local body = string.format(
    '{"order_id":"load-%d-%d","customer_id":"%d","timestamp":"1998-07-%02dT12:00:00Z","lines":[{"product_id":"cd","quantity":1,"unit_price":15.5}]}',
    id, counter, customer, day)
  return wrk.format("POST", "/v1/events", {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json"}, body)
end
