-- Prefix searches (string default, uri :below) are btree ranges, value >= p and value < p || U+10FFFF:
-- LIKE is not LEAKPROOF, so under RLS it could not use the index. A range is a
-- prefix only in code point order, so these columns use the "C" collation whatever the
-- database default is. drizzle-kit cannot express a column collation.
ALTER TABLE search_string ALTER COLUMN value TYPE text COLLATE "C";
--> statement-breakpoint
ALTER TABLE shared_search_string ALTER COLUMN value TYPE text COLLATE "C";
--> statement-breakpoint
ALTER TABLE search_uri ALTER COLUMN value TYPE text COLLATE "C";
--> statement-breakpoint
ALTER TABLE shared_search_uri ALTER COLUMN value TYPE text COLLATE "C";
--> statement-breakpoint
CALL fhir_private.secure_tables();
