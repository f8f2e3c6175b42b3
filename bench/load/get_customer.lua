-- wrk script: GET /v1/customers/{id} over the CDNOW customers 1..2357.
function init(args)
  key = args[1]
  math.randomseed(42)
end

function request()
  return wrk.format("GET", "/v1/customers/" .. math.random(1, 2357), {["Authorization"] = "Bearer " .. key})
end
