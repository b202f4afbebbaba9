# Sourced by the cluster benchmarks: start_two_silos ENGINE WORK PORT GATEWAY starts two engine serve silos on this
# host (silo ports PORT and PORT + 1, gateways GATEWAY and GATEWAY + 1, logs WORK/s0.log and WORK/s1.log), stops
# them when the script exits, and returns once both are up.
start_two_silos() {
  local engine=$1 work=$2 port=$3 gateway=$4
  "$engine" serve --port "$port" --gateway-port "$gateway" --data "$work/d0" > "$work/s0.log" 2>&1 & silo0=$!
  "$engine" serve --port $((port + 1)) --gateway-port $((gateway + 1)) --primary "127.0.0.1:$port" --data "$work/d1" > "$work/s1.log" 2>&1 & silo1=$!
  trap 'kill $silo1 $silo0 2>/dev/null; wait $silo0 $silo1 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do grep -q "is up" "$work/s0.log" && grep -q "is up" "$work/s1.log" && break; sleep 1; done
}
