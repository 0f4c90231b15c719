# SPDX-License-Identifier: Apache-2.0
# Helpers for the networking selftests: `hull network setup|show|teardown`
# on real links in namespaces of the test's own, with
# build/tests/bpf_tool_vm_responder playing the VM on the tap or the
# macvtap's device node.  Source after selftests/lib.sh.
#
#   peer netns $p: $peer_dev 10.79.0.1/24 (MTU 1400)
#        |  veth, or a macvlan/ipvlan bridge over a veth in $p
#   container netns $c: eth0 10.79.0.2/24 (MTU 1400), default via .1
#        |  hull network setup --model tcfilter|macvtap
#   the "VM": the responder on vm_ifname (tap) or vm_device (/dev/tapN)
#
# IPv6 is off in every namespace (no router solicitations or MLD reports
# to blur the counts); tests must call net_prepare first.

GUEST_IP=10.79.0.2
PEER_IP=10.79.0.1
MTU=1400
responder=
tag=$$-$RANDOM

# net_prepare: skips unless root and the tools are there; makes $work (with
# the state root $root) and the cleanup trap.
net_prepare() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root"
	responder=$(cd "$(dirname "$HULL")/../tests" 2>/dev/null && pwd)/bpf_tool_vm_responder
	[ -x "$responder" ] || skip_all "helpers not built: run make"
	local cmd
	for cmd in ip tc jq ping; do
		command -v $cmd >/dev/null || skip_all "$cmd not installed (make deps)"
	done
	[ -c /dev/net/tun ] || skip_all "no /dev/net/tun"
	work=$(mktemp -d /tmp/hull-nettest.XXXXXX)
	root=$work/state
	mkdir -p "$root"
	trap net_cleanup EXIT
}

net_cleanup() {
	local d pid
	for pid in $(cat "$work"/*.pid 2>/dev/null); do kill "$pid" 2>/dev/null; done
	for d in "$root"/*/; do
		[ -d "$d" ] && "$HULL" --root "$root" network teardown "$(basename "$d")" >/dev/null 2>&1
	done
	# (check runs each test point in a subshell: find them by their tag)
	for d in $(ip netns list | awk '{print $1}' | grep -- "-$tag\$"); do ip netns del "$d"; done
	rm -rf "$work"
}

hulln() { "$HULL" --root "$root" "$@"; }

# new_ns WHAT: a fresh namespace (deleted at exit), IPv6 off; prints its name.
new_ns() {
	local name=hnet-$1-$tag
	ip netns add "$name" || return 1
	ip netns exec "$name" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || return 1
	echo "$name"
}

# topology KIND N: namespaces $c (the container's) and $p (the peer's) for
# a link of KIND (veth, macvlan, ipvlan); sets c, p, peer_dev.  Writes them
# to $work/topo so that later subshells (check runs each in one) see them.
topology() {
	local kind=$1 n=$2
	c=$(new_ns "c$n") && p=$(new_ns "p$n") || return 1
	case $kind in
	veth)
		peer_dev=vpeer
		ip -n "$c" link add eth0 mtu $MTU type veth peer name vpeer netns "$p" mtu $MTU || return 1
		;;
	macvlan | ipvlan)
		# The lower device lives in the peer namespace; its far end
		# answers no ARP for addresses it does not hold.
		peer_dev=${kind}peer
		local mode=bridge
		[ "$kind" = ipvlan ] && mode=l2
		ip netns exec "$p" sysctl -qw net.ipv4.conf.all.arp_ignore=1 &&
			ip -n "$p" link add low mtu $MTU type veth peer name lowend mtu $MTU &&
			ip -n "$p" link set low up && ip -n "$p" link set lowend up &&
			ip -n "$p" link add link low name eth0 type $kind mode $mode &&
			ip -n "$p" link add link low name "$peer_dev" type $kind mode $mode &&
			ip -n "$p" link set eth0 netns "$c" || return 1
		;;
	*) echo "unknown kind $kind"; return 1 ;;
	esac
	ip -n "$c" addr add $GUEST_IP/24 dev eth0 && ip -n "$c" link set eth0 up &&
		ip -n "$c" route add default via $PEER_IP &&
		ip -n "$p" addr add $PEER_IP/24 dev "$peer_dev" && ip -n "$p" link set "$peer_dev" up || return 1
	# Both ends have a carrier before anything is compared.
	for _ in $(seq 50); do
		[ "$(ip -n "$c" -j link show eth0 | jq -r '.[0].operstate')" = UP ] &&
			[ "$(ip -n "$p" -j link show "$peer_dev" | jq -r '.[0].operstate')" = UP ] && break
		sleep 0.1
	done
	# No ARP probes from the peer in the middle of a count.
	ip netns exec "$p" sysctl -qw "net.ipv4.neigh.$peer_dev.delay_first_probe_time=120" || return 1
	printf 'c=%s\np=%s\npeer_dev=%s\n' "$c" "$p" "$peer_dev" >"$work/topo"
}

# decoy_tap_node: devtmpfs names a macvtap's node /dev/tap<ifindex>, and
# ifindexes are per namespace: makes that name, for the ifindex the next
# link of $c will get, belong to a macvtap of another namespace first, so
# that hull must make a node of its own (/dev/hull-tap<major>-<minor>).
decoy_tap_node() {
	local d=hnet-d-$tag idx
	if ! ip netns list | grep -q "^$d\b"; then
		ip netns add "$d" &&
			ip -n "$d" link add dlow index 9000 type veth peer name dlow2 index 9001 || return 1
	fi
	ip -n "$d" link del decoy 2>/dev/null
	ip -n "$c" link add probe type bridge || return 1
	idx=$(($(ip -n "$c" -j link show probe | jq '.[0].ifindex') + 1))
	ip -n "$c" link del probe
	ip -n "$d" link add link dlow name decoy index $idx type macvtap mode bridge &&
		[ -c /dev/tap$idx ] || { echo "no decoy /dev/tap$idx"; return 1; }
}

# What `hull network teardown` must give back exactly as it was: the
# container's links (kind, MAC, MTU, flags), addresses, routes, permanent
# neighbours, qdiscs and filters, the peer's links and qdiscs, the pins,
# the state root and hull's device nodes.
# Carrier and operstate are left out: a tap has carrier only while a queue
# fd is attached, and the kernel's linkwatch updates operstate up to a
# second after carrier changes, so they differ between two snapshots of a
# sandbox nobody touched.
without_carrier() { sed -E 's/NO-CARRIER,//; s/,LOWER_UP//; s/ state [A-Z]+ / /'; }
link_config() { ip -n "$1" -d link show | without_carrier; }

snapshot() {
	local id=$1 dev
	echo "## container links"; link_config "$c"
	echo "## addresses"; ip -n "$c" addr show | without_carrier
	echo "## routes"; ip -n "$c" route show table all
	echo "## neighbours"; ip -n "$c" neigh show nud permanent
	echo "## qdiscs"; tc -n "$c" qdisc show
	for dev in $(ip -n "$c" -j link show | jq -r '.[].ifname'); do
		echo "## filters $dev"
		tc -n "$c" filter show dev "$dev" ingress
		tc -n "$c" filter show dev "$dev" egress
	done
	echo "## peer links"; link_config "$p"
	echo "## peer qdiscs"; tc -n "$p" qdisc show
	echo "## pins"
	if [ -e "/sys/fs/bpf/hull/$id" ]; then ls -R "/sys/fs/bpf/hull/$id"; else echo "(none)"; fi
	echo "## state root"; ls -A "$root"
	echo "## device nodes"; ls /dev/hull-tap* 2>&1
}

# same_as BEFORE AFTER: no difference, or the diff.
same_as() {
	[ "$1" = "$2" ] && return 0
	echo "changed:"; diff <(echo "$1") <(echo "$2")
	return 1
}

expect_eq() { # expect_eq WHAT GOT WANT
	[ "$2" = "$3" ] && return 0
	echo "$1: got '$2', wanted '$3'"
	return 1
}

# counters ID: "to_guest_packets to_guest_bytes from_guest_packets from_guest_bytes"
counters() {
	hulln network show --json "$1" |
		jq -r '.[0].counters | "\(.to_guest.packets) \(.to_guest.bytes) \(.from_guest.packets) \(.from_guest.bytes)"'
}
# drops ID REASON
drops() { hulln network show --json "$1" | jq -r ".[0].drops.$2"; }
# peer_stat DIR(rx|tx) [DEV]: packets of the peer's link (default $peer_dev).
peer_stat() { ip -n "$p" -s -j link show "${2:-$peer_dev}" | jq ".[0].stats64.$1.packets"; }
# peer_rx_all: packets received by every link of the peer's namespace.
peer_rx_all() { ip -n "$p" -s -j link show | jq '[.[] | select(.ifname != "lo") | .stats64.rx.packets] | add'; }

# ep FIELD: a field of the endpoint `hull network setup` printed.
ep() { jq -r ".[0].$1" "$work/setup.json"; }
# The VM's end of the endpoint, as the responder opens it.
vm_end() { if [ -n "$(ep vm_device)" ]; then ep vm_device; else ep vm_ifname; fi; }

# The VM side waits this long after opening its tap or macvtap before it
# sends or answers anything, as a booting guest would: the first frames
# through a tap or macvtap just (re)opened may be lost (seen here: an ARP
# request or an echo reply, now and then).
SETTLE_MS=1000
respond() { "$responder" --netns "$c" --tap "$(vm_end)" --mac "$(ep guest_mac)" --ip $GUEST_IP "$@"; }

start_responder() {
	"$responder" --netns "$c" --tap "$(vm_end)" --mac "$(ep guest_mac)" --ip $GUEST_IP \
		--settle-ms $SETTLE_MS serve >"$work/responder.out" 2>&1 &
	echo $! >"$work/responder.pid"
	for _ in $(seq 50); do
		grep -q ready "$work/responder.out" && return 0
		sleep 0.1
	done
	cat "$work/responder.out"
	return 1
}
stop_responder() {
	local pid
	pid=$(cat "$work/responder.pid") && kill "$pid" && wait "$pid" 2>/dev/null
	rm -f "$work/responder.pid"
}

# minus BEFORE AFTER: AFTER - BEFORE, number by number.
minus() {
	local -a b a
	local i got=
	read -r -a b <<<"$1"
	read -r -a a <<<"$2"
	for i in "${!b[@]}"; do got="$got${got:+ }$((a[i] - b[i]))"; done
	echo "$got"
}
# delta_is WHAT BEFORE AFTER WANT
delta_is() { expect_eq "$1" "$(minus "$2" "$3")" "$4"; }

# peer_counts: "tx_packets rx_packets" of $peer_dev (not bytes: a macvlan
# counts a broadcast it receives with its Ethernet header twice).
peer_counts() { ip -n "$p" -s -j link show "$peer_dev" | jq -r '.[0].stats64 | "\(.tx.packets) \(.rx.packets)"'; }
# packets ID: "to_guest_packets from_guest_packets" of hull's counters.
packets() { counters "$1" | awk '{print $1, $3}'; }

# ---- The checks one endpoint goes through (ID is the sandbox) ----

# Setup prints the endpoint: kind, model, the link's MAC for the guest, MTU.
sets_up() {
	local id=$1 kind=$2 model=$3 mac
	mac=$(ip -n "$c" -j link show eth0 | jq -r '.[0].address')
	hulln network setup --netns "/var/run/netns/$c" --model "$model" "$id" >"$work/setup.json" ||
		return 1
	expect_eq "endpoints" "$(jq length "$work/setup.json")" 1 &&
		expect_eq "name" "$(ep name)" eth0 && expect_eq "kind" "$(ep kind)" "$kind" &&
		expect_eq "model" "$(ep model)" "$model" && expect_eq "guest_mac" "$(ep guest_mac)" "$mac" &&
		expect_eq "mtu" "$(ep mtu)" $MTU && expect_eq "addresses" "$(ep 'addresses[0]')" $GUEST_IP/24 || return 1
	if [ "$model" = macvtap ]; then
		expect_eq "vm_ifname" "$(ep vm_ifname)" mvtap0_hull &&
			[ -c "$(ep vm_device)" ] || { echo "vm_device '$(ep vm_device)' is not a character device"; return 1; }
		# /dev/tap<ifindex> when it is this macvtap's, else hull's own node
		case ${DECOY:-}/$(ep vm_device) in
		/"/dev/tap$(ep vm_ifindex)" | 1/"/dev/hull-tap"*) ;;
		*) echo "vm_device $(ep vm_device) (decoy: ${DECOY:-no})"; return 1 ;;
		esac
	else
		expect_eq "vm_ifname" "$(ep vm_ifname)" tap0_hull && expect_eq "vm_device" "$(ep vm_device)" ""
	fi
	hulln network show "$id" | grep -qF "eth0 ($kind, $model) mac $mac mtu $MTU -> $(ep vm_ifname)" ||
		{ hulln network show "$id"; return 1; }
}

# The tap or macvtap carries the link's MTU.
mtu_is_carried() {
	expect_eq "MTU of $(ep vm_ifname)" "$(ip -n "$c" -j link show "$(ep vm_ifname)" | jq '.[0].mtu')" $MTU
}

# An ARP exchange (42-byte frames) and 3 pings (98): 4 frames, 336 bytes
# each way.  hull's packet counts must agree exactly with what the peer
# sent and received (to_guest = the peer's tx, from_guest = its rx).
PING_FRAMES="4 336"

# The guest resolves the peer by ARP and pings it 3 times.
guest_pings_peer() {
	local id=$1 c0 c1 k0 k1 p0 p1 out
	c0=$(counters "$id") k0=$(packets "$id") p0=$(peer_counts)
	out=$(respond --peer-ip $PEER_IP --settle-ms $SETTLE_MS ping 3) || { echo "$out"; return 1; }
	c1=$(counters "$id") k1=$(packets "$id") p1=$(peer_counts)
	[[ "$out" == *"arp $PEER_IP is-at $(ip -n "$p" -j link show "$peer_dev" | jq -r '.[0].address')"* ]] &&
		[[ "$out" == *"reply seq=3"* ]] || { echo "$out"; return 1; }
	delta_is "hull's packets vs. the peer's (to_guest = peer tx, from_guest = peer rx)" \
		"$k0" "$k1" "$(minus "$p0" "$p1")" &&
		delta_is "hull to_guest and from_guest" "$c0" "$c1" "$PING_FRAMES $PING_FRAMES" &&
		expect_eq "the guest's own count" "$(echo "$out" | tail -1)" "frames sent=4 received=4" ||
		{ echo "$out"; return 1; }
}

# The peer (ARP cache flushed) pings the guest 3 times.
peer_pings_guest() {
	local id=$1 c0 c1 k0 k1 p0 p1 ok
	ip -n "$p" neigh flush dev "$peer_dev"
	start_responder || return 1
	c0=$(counters "$id") k0=$(packets "$id") p0=$(peer_counts)
	ip netns exec "$p" ping -c 3 -i 0.2 -W 2 -q $GUEST_IP >"$work/ping.out"
	ok=$?
	c1=$(counters "$id") k1=$(packets "$id") p1=$(peer_counts)
	stop_responder
	[ $ok -eq 0 ] || { cat "$work/ping.out" "$work/responder.out"; return 1; }
	grep -q "rx proto=0x0806 len=42 answered" "$work/responder.out" ||
		{ echo "the guest saw no ARP request:"; cat "$work/responder.out"; return 1; }
	delta_is "hull's packets vs. the peer's (to_guest = peer tx, from_guest = peer rx)" \
		"$k0" "$k1" "$(minus "$p0" "$p1")" || { cat "$work/ping.out" "$work/responder.out"; return 1; }
	# Rarely (macvlan/macvtap) the peer's first ARP request is counted by
	# hull but never read from the macvtap: the peer asks again.  Counted
	# exactly all the same; said, not failed.
	if [ "$(minus "$c0" "$c1")" = "5 378 $PING_FRAMES" ]; then
		echo "note: the peer sent its ARP request twice (the guest read one)" >>"$work/notes"
		return 0
	fi
	delta_is "hull to_guest and from_guest" "$c0" "$c1" "$PING_FRAMES $PING_FRAMES" ||
		{ cat "$work/ping.out" "$work/responder.out"; return 1; }
}

# guest_sends_dropped ID KIND REASON: dropped, counted under REASON, and
# no link of the peer's namespace receives anything.
guest_sends_dropped() {
	local id=$1 kind=$2 reason=$3 rx0 d0 c0 c1
	rx0=$(peer_rx_all) d0=$(drops "$id" "$reason") c0=$(counters "$id")
	respond --peer-mac "$(ip -n "$p" -j link show "$peer_dev" | jq -r '.[0].address')" \
		--peer-ip $PEER_IP send "$kind" || return 1
	c1=$(counters "$id")
	expect_eq "drops $reason" $(($(drops "$id" "$reason") - d0)) 1 &&
		expect_eq "from_guest packets" $(($(echo "$c1" | cut -d' ' -f3) - $(echo "$c0" | cut -d' ' -f3))) 0 &&
		expect_eq "received in the peer namespace" $(($(peer_rx_all) - rx0)) 0
}

# The control: a frame with the guest's own MAC and IP does reach the peer.
guest_sends_good() {
	local id=$1 rx0 c0 c1
	rx0=$(peer_stat rx) c0=$(counters "$id")
	respond --peer-mac "$(ip -n "$p" -j link show "$peer_dev" | jq -r '.[0].address')" \
		--peer-ip $PEER_IP send good || return 1
	c1=$(counters "$id")
	# (to_guest is not checked: the peer may answer with a port unreachable)
	delta_is "hull from_guest" "$(echo "$c0" | cut -d' ' -f3-)" "$(echo "$c1" | cut -d' ' -f3-)" "1 46" &&
		expect_eq "peer received" $(($(peer_stat rx) - rx0)) 1
}

# Teardown gives everything back: the snapshot taken before setup.
tears_down() {
	local id=$1 before=$2 dev
	dev=$(ep vm_device)
	hulln network teardown "$id" || return 1
	same_as "$before" "$(snapshot "$id")" || return 1
	[ ! -e "$root/$id" ] || { echo "state dir left"; return 1; }
	[ ! -e "/sys/fs/bpf/hull/$id" ] || { echo "pins left"; return 1; }
	case $dev in /dev/hull-tap*) [ ! -e "$dev" ] || { echo "$dev left"; return 1; } ;; esac
	hulln network show "$id" >/dev/null 2>&1 && { echo "show still finds $id"; return 1; }
	return 0
}

# endpoint_checks KIND MODEL N [decoy]: the whole life of one endpoint (11
# points); with "decoy", /dev/tap<ifindex> belongs to another namespace.
ENDPOINT_CHECKS=11
endpoint_checks() {
	local kind=$1 model=$2 n=$3 id=net-$1-$2-$tag before what=$1/$2
	DECOY=
	if [ "${4:-}" = decoy ]; then
		DECOY=1 what="$what (its /dev/tapN name taken)"
		check "$what: topology in fresh namespaces" eval "topology $kind $n && decoy_tap_node"
	else
		check "$what: topology in fresh namespaces" topology "$kind" "$n"
	fi
	. "$work/topo"
	before=$(snapshot "$id")
	check "$kind/$model: setup prints the endpoint (kind, model, guest MAC, MTU $MTU, VM end)" \
		sets_up "$id" "$kind" "$model"
	check "$kind/$model: $(ep vm_ifname) has the link's MTU $MTU" mtu_is_carried
	check "$kind/$model: the guest ARPs for and pings the peer; 4 frames each way counted" guest_pings_peer "$id"
	check "$kind/$model: the peer ARPs for and pings the guest; 4 frames each way counted" peer_pings_guest "$id"
	[ -s "$work/notes" ] && diag "$(cat "$work/notes")" && rm -f "$work/notes"
	check "$kind/$model: spoofed source MAC dropped as bad_src_mac, never reaches the peer" \
		guest_sends_dropped "$id" spoof-mac bad_src_mac
	check "$kind/$model: spoofed source IPv4 dropped as bad_src_ipv4, never reaches the peer" \
		guest_sends_dropped "$id" spoof-ip bad_src_ipv4
	check "$kind/$model: ARP claiming another address dropped as bad_arp_sender" \
		guest_sends_dropped "$id" arp-spoof bad_arp_sender
	check "$kind/$model: a frame with the guest's own MAC and IP reaches the peer" guest_sends_good "$id"
	check "$kind/$model: teardown leaves links, addresses, routes, qdiscs, filters, pins, state as before" \
		tears_down "$id" "$before"
	check "$kind/$model: teardown a second time says the sandbox does not exist" \
		expect_error "container $id does not exist" --root "$root" network teardown "$id"
}
