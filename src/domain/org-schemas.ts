import { z } from "zod";

export const RESERVED_SLUGS = new Set("admin api app auth dashboard docs help internal login logout metrics root settings signup status support system test www".split(" "));
export const SLUG_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export const slugSchema = z
  .string({ error: "slug is required" })
  .min(3, "slug must be 3-50 characters")
  .max(50, "slug must be 3-50 characters")
  .regex(SLUG_PATTERN, "slug must start with a letter and contain only lowercase letters, digits and single hyphens")
  .refine((s) => !RESERVED_SLUGS.has(s), "slug is reserved");

export const createOrgSchema = z.object({
  name: z.string({ error: "name is required" }).trim().min(3, "name must be 3-100 characters").max(100, "name must be 3-100 characters"),
  slug: slugSchema,
  billing_email: z.string().email("billing_email must be a valid email").max(255).nullish(),
});

/** A slug proposal from a display name: lower-case, runs of other characters to one hyphen, starts with a letter. */
export function slugFromName(name: string): string {
  let slug = name.trim().toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (!slug) slug = "org";
  if (/^[0-9]/.test(slug)) slug = `org-${slug}`;
  return slug.slice(0, 80).replace(/-+$/, "");
}
