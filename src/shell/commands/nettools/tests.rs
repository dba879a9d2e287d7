//! Expected outputs follow net-tools' `arp.c` (`arp_disp`, `arp_disp_2`) and `inet_gr.c`
//! formats for the fixed host: ens5, 172.31.20.7/20, gateway 172.31.16.1 by DHCP (metric
//! 100), the VPC resolver 172.31.0.2 routed on-link, NIC MAC 0a:3c:5e:71:9b:2d.

use crate::shell::commands::testing::{run, run_as, run_status};

#[test]
fn arp_shows_the_gateway_as_ip_neigh_does() {
    assert_eq!(
        run("arp -n"),
        "Address                  HWtype  HWaddress           Flags Mask            Iface\n\
         172.31.16.1              ether   0a:66:5e:60:9b:11   C                     ens5\n"
    );
    assert_eq!(
        run("arp"),
        "Address                  HWtype  HWaddress           Flags Mask            Iface\n\
         _gateway                 ether   0a:66:5e:60:9b:11   C                     ens5\n"
    );
    assert_eq!(
        run("arp -a"),
        "_gateway (172.31.16.1) at 0a:66:5e:60:9b:11 [ether] on ens5\n"
    );
    assert_eq!(
        run("arp -an"),
        "? (172.31.16.1) at 0a:66:5e:60:9b:11 [ether] on ens5\n"
    );
    let neigh = run("ip neigh");
    assert!(
        neigh.contains("172.31.16.1 dev ens5 lladdr 0a:66:5e:60:9b:11 "),
        "arp and ip neigh disagree: {neigh}"
    );
    assert_eq!(
        run_status("arp -a 1.2.3.4"),
        ("arp: in 1 entries no match found.\n".to_owned(), 0)
    );
    assert_eq!(
        run_status("arp nosuchhost"),
        ("nosuchhost: Unknown host\n".to_owned(), 255)
    );
    let (usage, status) = run_status("arp -z");
    assert_eq!(status, 3);
    assert!(usage.starts_with("arp: invalid option -- 'z'\nUsage:\n  arp [-vn]  [<HW>] [-i <if>] [-a] [<hostname>]             <-Display ARP cache\n"));
    assert!(usage.ends_with("    irda (IrLAP) x25 (generic X.25) eui64 (Generic EUI-64) \n"));
    let outcome = run_as("ubuntu", "arp -d 172.31.16.1");
    assert_eq!(
        String::from_utf8_lossy(&outcome.output),
        "SIOCDARP(dontpub): Operation not permitted\n"
    );
}

#[test]
fn route_agrees_with_ip_route() {
    assert_eq!(
        run("route -n"),
        "Kernel IP routing table\n\
         Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n\
         0.0.0.0         172.31.16.1     0.0.0.0         UG    100    0        0 ens5\n\
         172.31.0.2      0.0.0.0         255.255.255.255 UH    100    0        0 ens5\n\
         172.31.16.0     0.0.0.0         255.255.240.0   U     100    0        0 ens5\n\
         172.31.16.1     0.0.0.0         255.255.255.255 UH    100    0        0 ens5\n"
    );
    let named = run("route");
    assert!(named.contains(
        "\ndefault         _gateway        0.0.0.0         UG    100    0        0 ens5\n"
    ));
    assert!(named.ends_with(
        "\n_gateway        0.0.0.0         255.255.255.255 UH    100    0        0 ens5\n"
    ));
    // `route -e` has the columns of `netstat -r`.
    assert_eq!(run("route -e"), run("netstat -r"));
    assert!(
        run("route --help").starts_with(
            "Usage: route [-nNvee] [-FC] [<AF>]           List kernel routing tables\n"
        )
    );
    let outcome = run_as("ubuntu", "route add default gw 10.0.0.1");
    assert_eq!(
        (
            String::from_utf8_lossy(&outcome.output).into_owned(),
            outcome.status
        ),
        ("SIOCADDRT: Operation not permitted\n".to_owned(), 7)
    );
}
