import { ensureRoot, createTestNetwork, bootTestHost, networkLeftovers } from "./test-hosts";
(async () => {
  const t0 = Date.now();
  const { root } = ensureRoot();
  const net = createTestNetwork();
  console.log("net", net.cidr, net.bridge);
  const host = await bootTestHost(root, net, { name: "smoke", hostNumber: 10 });
  console.log("booted in", Date.now() - t0, "ms");
  await new Promise((r) => setTimeout(r, 6000));
  console.log(host.exec(["sh", "-c", "systemctl is-active ssh docker; docker info --format '{{.Driver}} {{.CgroupDriver}} {{.ServerVersion}}'; mkdir -p /tmp/bb/bin && cp /bin/busybox /tmp/bb/bin/ && for a in $(/bin/busybox --list); do [ $a = busybox ] || ln -s busybox /tmp/bb/bin/$a; done && tar -C /tmp/bb -c . | docker import - standin:1 && docker run --rm standin:1 /bin/sh -c 'echo hi from container; cat /proc/self/cgroup | head -3' ; journalctl -u docker --no-pager | grep -i 'level=error\\|warn' | tail"]));
  const t1 = Date.now();
  host.stop();
  console.log("stopped in", Date.now() - t1);
  net.remove();
  console.log("leftovers", networkLeftovers(net));
})().catch((e) => { console.error(e); process.exit(1); });
