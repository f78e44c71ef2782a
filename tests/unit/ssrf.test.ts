import { describe, test, expect } from "bun:test";
import { checkTargetUrl, isNonPublicAddress, TargetRefused } from "../../src/domain/ssrf";
import { vetTarget } from "../../src/delivery/target";

describe("address classification", () => {
  const nonPublic = [
    "127.0.0.1", "127.255.255.254", "0.0.0.0", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1",
    "169.254.169.254", "224.0.0.1", "255.255.255.255", "198.18.0.1",
    "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1", "fd00:ec2::254", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "::ffff:a9fe:a9fe", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "2001:db8::1",
  ];
  const publicOnes = ["8.8.8.8", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::"];
  for (const ip of nonPublic) test(`${ip} is not public`, () => expect(isNonPublicAddress(ip)).toBe(true));
  for (const ip of publicOnes) test(`${ip} is public`, () => expect(isNonPublicAddress(ip)).toBe(false));
  test("garbage is not an address anyone may reach", () => expect(isNonPublicAddress("not-an-ip")).toBe(true));
});

describe("target URLs", () => {
  const refused = (url: string, mode: "production" | "development" = "production") => {
    try {
      checkTargetUrl(url, mode);
      return null;
    } catch (err) {
      expect(err).toBeInstanceOf(TargetRefused);
      return (err as Error).message;
    }
  };
  test("production refuses plain http, local names and non-public literals (also in URL-normalized spellings)", () => {
    expect(refused("http://example.com/")).toStartWith("HTTP not allowed");
    for (const url of ["https://localhost/", "https://api.localhost/", "https://LOCALHOST./", "https://metadata.google.internal/", "https://[::1]/", "https://0x7f.1/", "https://2130706433/", "https://[::ffff:127.0.0.1]/", "https://017700000001/"]) {
      expect(refused(url)).toStartWith("Invalid webhook URL");
    }
    expect(refused("https://example.com:8443/x")).toBeNull();
  });
  test("development allows loopback http; both modes refuse other schemes", () => {
    expect(refused("http://127.0.0.1:9/x", "development")).toBeNull();
    expect(refused("http://localhost:9/x", "development")).toBeNull();
    expect(refused("file:///etc/passwd", "development")).toStartWith("Invalid webhook URL");
    expect(refused("gopher://x", "production")).toStartWith("Invalid webhook URL");
  });
});

describe("vetting after DNS", () => {
  test("production connects to the vetted address, keeping the name for Host and TLS", async () => {
    let lookups = 0;
    const t = await vetTarget("https://hooks.example.test:8443/in?x=1", "production", async () => (lookups++, ["93.184.216.34"]));
    expect(t).toEqual({ connectUrl: "https://93.184.216.34:8443/in?x=1", hostHeader: "hooks.example.test:8443", serverName: "hooks.example.test", address: "93.184.216.34" });
    expect(lookups).toBe(1);
    const v6 = await vetTarget("https://v6.example.test/", "production", async () => ["2606:4700:4700::1111"]);
    expect(v6.connectUrl).toBe("https://[2606:4700:4700::1111]/");
  });
  test("one non-public answer refuses the name; development allows it and connects by name", async () => {
    await expect(vetTarget("https://x.test/", "production", async () => ["93.184.216.34", "10.0.0.7"])).rejects.toBeInstanceOf(TargetRefused);
    const dev = await vetTarget("http://x.test:8080/", "development", async () => ["127.0.0.1"]);
    expect(dev).toMatchObject({ connectUrl: "http://x.test:8080/", hostHeader: null, address: "127.0.0.1" });
  });
});
