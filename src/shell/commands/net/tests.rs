//! Expected outputs written from iproute2 5.15's `ipaddress.c`/`iproute.c` print functions
//! and net-tools' `ife_print_long` for the fixed host: ens5 (altname enp0s5), MAC
//! 0a:3c:5e:71:9b:2d, 172.31.20.7/20 by DHCP (3600 s lease, 2382 s left at the test's clock).

use super::scaled;
use crate::shell::commands::testing::{host, run, run_status};

#[test]
fn ip_addr() {
    let expected = "\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host 
       valid_lft forever preferred_lft forever
2: ens5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000
    link/ether 0a:3c:5e:71:9b:2d brd ff:ff:ff:ff:ff:ff
    altname enp0s5
    inet 172.31.20.7/20 metric 100 brd 172.31.31.255 scope global dynamic ens5
       valid_lft 2382sec preferred_lft 2382sec
    inet6 fe80::83c:5eff:fe71:9b2d/64 scope link 
       valid_lft forever preferred_lft forever
";
    assert_eq!(run("ip addr"), expected);
    assert_eq!(run("ip a"), expected);
    assert_eq!(run("/sbin/ip address show"), expected);
    assert_eq!(
        run("ip -4 a show dev ens5"),
        "2: ens5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000\n    \
         inet 172.31.20.7/20 metric 100 brd 172.31.31.255 scope global dynamic ens5\n       \
         valid_lft 2382sec preferred_lft 2382sec\n"
    );
    assert_eq!(
        run("ip -br a"),
        "lo               UNKNOWN        127.0.0.1/8 ::1/128 \nens5             UP             172.31.20.7/20 fe80::83c:5eff:fe71:9b2d/64 \n"
    );
    assert_eq!(
        run_status("ip a show eth9"),
        ("Device \"eth9\" does not exist.\n".to_owned(), 1)
    );
}

#[test]
fn ip_link_and_route() {
    assert_eq!(
        run("ip link"),
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n    \
         link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n\
         2: ens5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP mode DEFAULT group default qlen 1000\n    \
         link/ether 0a:3c:5e:71:9b:2d brd ff:ff:ff:ff:ff:ff\n    altname enp0s5\n"
    );
    assert_eq!(
        run("ip route"),
        "default via 172.31.16.1 dev ens5 proto dhcp src 172.31.20.7 metric 100 \n\
         172.31.0.2 dev ens5 proto dhcp scope link src 172.31.20.7 metric 100 \n\
         172.31.16.0/20 dev ens5 proto kernel scope link src 172.31.20.7 metric 100 \n\
         172.31.16.1 dev ens5 proto dhcp scope link src 172.31.20.7 metric 100 \n"
    );
    assert_eq!(run("ip r"), run("ip route show"));
    assert_eq!(
        run("ip route get 1.1.1.1"),
        "1.1.1.1 via 172.31.16.1 dev ens5 src 172.31.20.7 uid 0 \n    cache \n"
    );
    assert_eq!(
        run_status("ip foo"),
        (
            "Object \"foo\" is unknown, try \"ip help\".\n".to_owned(),
            1
        )
    );
    assert_eq!(run("ip -V"), "ip utility, iproute2-5.15.0, libbpf 0.5.0\n");
}

#[test]
fn static_addresses_have_no_lease() {
    let mut h = host();
    h.network.dhcp_lease = None;
    h.network.dns_route = None;
    let shell = crate::shell::Shell::new(std::sync::Arc::new(h));
    let mut state = crate::shell::commands::testing::session("root");
    let out =
        String::from_utf8_lossy(&shell.run_line(&mut state, "ip a; ip r").output).into_owned();
    assert!(out.contains("    inet 172.31.20.7/20 brd 172.31.31.255 scope global ens5\n       valid_lft forever preferred_lft forever\n"), "{out}");
    assert!(out.ends_with("default via 172.31.16.1 dev ens5 proto static \n172.31.16.0/20 dev ens5 proto kernel scope link src 172.31.20.7 \n"), "{out}");
}

#[test]
fn ifconfig_like_net_tools() {
    assert_eq!(scaled(3_640_252_908), "3.3 GiB");
    assert_eq!(scaled(1_819_856_120), "1.6 GiB");
    assert_eq!(scaled(900), "900.0 B");
    assert_eq!(scaled(40_113_510), "38.2 MiB");
    let h = host();
    let up = h.uptime_secs(crate::host::fixture::now());
    let nic = h.network.counters(up);
    let lo = h.network.loopback_counters(up);
    let expected = format!(
        "ens5: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 9001\n        \
         inet 172.31.20.7  netmask 255.255.240.0  broadcast 172.31.31.255\n        \
         inet6 fe80::83c:5eff:fe71:9b2d  prefixlen 64  scopeid 0x20<link>\n        \
         ether 0a:3c:5e:71:9b:2d  txqueuelen 1000  (Ethernet)\n        \
         RX packets {}  bytes {} ({})\n        \
         RX errors 0  dropped 0  overruns 0  frame 0\n        \
         TX packets {}  bytes {} ({})\n        \
         TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n\n\
         lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536\n        \
         inet 127.0.0.1  netmask 255.0.0.0\n        \
         inet6 ::1  prefixlen 128  scopeid 0x10<host>\n        \
         loop  txqueuelen 1000  (Local Loopback)\n        \
         RX packets {}  bytes {} ({})\n        \
         RX errors 0  dropped 0  overruns 0  frame 0\n        \
         TX packets {}  bytes {} ({})\n        \
         TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n\n",
        nic.rx_packets,
        nic.rx_bytes,
        scaled(nic.rx_bytes),
        nic.tx_packets,
        nic.tx_bytes,
        scaled(nic.tx_bytes),
        lo.rx_packets,
        lo.rx_bytes,
        scaled(lo.rx_bytes),
        lo.tx_packets,
        lo.tx_bytes,
        scaled(lo.tx_bytes),
    );
    assert_eq!(run("ifconfig"), expected);
    assert_eq!(run("/sbin/ifconfig -a"), expected);
    assert!(run("ifconfig lo").starts_with("lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536\n"));
    assert_eq!(
        run_status("ifconfig eth1"),
        (
            "eth1: error fetching interface information: Device not found\n".to_owned(),
            1
        )
    );
}
