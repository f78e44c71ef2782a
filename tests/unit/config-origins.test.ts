import { describe, test, expect } from "bun:test";
import { loadConfig, originAllowed, parseOriginList } from "../../src/config";

describe("CORS allow-list", () => {
  test("origins are normalized; only exact matches are allowed; '*' must be explicit", () => {
    const list = parseOriginList(" https://app.example.com/ ,http://localhost:3000,");
    expect(list).toEqual(["https://app.example.com", "http://localhost:3000"]);
    expect(originAllowed(list, "https://app.example.com")).toBe(true);
    expect(originAllowed(list, "https://app.example.com.evil.net")).toBe(false);
    expect(originAllowed(list, "http://app.example.com")).toBe(false);
    expect(originAllowed(list, undefined)).toBe(false);
    expect(originAllowed([], "https://app.example.com")).toBe(false);
    expect(originAllowed(parseOriginList("*"), "https://anything.example")).toBe(true);
  });

  test("configuration reads the list and refuses garbage", () => {
    expect(loadConfig({ CORS_ALLOWED_ORIGINS: "https://a.example" }).corsOrigins).toEqual(["https://a.example"]);
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(() => loadConfig({ CORS_ALLOWED_ORIGINS: "not a url" })).toThrow("CORS_ALLOWED_ORIGINS");
  });
});
