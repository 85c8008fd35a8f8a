-- Each replicated row keeps the document its customer's devices pull, as JSON text, written by the
-- sync writer (server/sync/materialize.ts) when the row or a row embedded in it changes; NULL until
-- then and whenever the triggers that module installs see such a change. Not a drizzle column, on purpose.
ALTER TABLE `customers` ADD `doc_json` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `doc_json` text;--> statement-breakpoint
ALTER TABLE `documents` ADD `doc_json` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `doc_json` text;--> statement-breakpoint
ALTER TABLE `appointments` ADD `doc_json` text;--> statement-breakpoint
ALTER TABLE `quotes` ADD `doc_json` text;--> statement-breakpoint
CREATE INDEX `appointments_doc_stale` ON `appointments` (`seq`) WHERE doc_json IS NULL;--> statement-breakpoint
CREATE INDEX `customers_autopay_method` ON `customers` (`autopay_method_id`) WHERE "customers"."autopay_method_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `customers_doc_stale` ON `customers` (`seq`) WHERE doc_json IS NULL;--> statement-breakpoint
CREATE INDEX `documents_doc_stale` ON `documents` (`seq`) WHERE doc_json IS NULL;--> statement-breakpoint
CREATE INDEX `invoices_doc_stale` ON `invoices` (`seq`) WHERE doc_json IS NULL;--> statement-breakpoint
CREATE INDEX `messages_doc_stale` ON `messages` (`seq`) WHERE doc_json IS NULL;--> statement-breakpoint
CREATE INDEX `quotes_doc_stale` ON `quotes` (`seq`) WHERE doc_json IS NULL;