CREATE TABLE `quote_items` (
	`id` text PRIMARY KEY NOT NULL,
	`quote_id` text NOT NULL,
	`position` integer NOT NULL,
	`kind` text NOT NULL,
	`group_name` text,
	`description` text NOT NULL,
	`quantity_milli` integer NOT NULL,
	`unit_amount` integer NOT NULL,
	`amount` integer NOT NULL,
	`selected_by_default` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`quote_id`) REFERENCES `quotes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `quote_items_quote` ON `quote_items` (`quote_id`,`position`);--> statement-breakpoint
CREATE TABLE `quote_photos` (
	`id` text PRIMARY KEY NOT NULL,
	`quote_id` text NOT NULL,
	`position` integer NOT NULL,
	`file_sha256` text NOT NULL,
	`mime` text NOT NULL,
	`size` integer NOT NULL,
	`width` integer,
	`height` integer,
	`caption` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`quote_id`) REFERENCES `quotes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`file_sha256`) REFERENCES `files`(`sha256`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `quote_photos_quote` ON `quote_photos` (`quote_id`,`position`);--> statement-breakpoint
CREATE TABLE `quote_signatures` (
	`quote_id` text PRIMARY KEY NOT NULL,
	`signer_name` text NOT NULL,
	`signer_email` text,
	`portal_user_id` text,
	`signed_at` integer NOT NULL,
	`ip` text NOT NULL,
	`user_agent` text NOT NULL,
	`revision` integer NOT NULL,
	`content_hash` text NOT NULL,
	`signature_sha256` text NOT NULL,
	`selection` text NOT NULL,
	`total` integer NOT NULL,
	`pdf_sha256` text NOT NULL,
	FOREIGN KEY (`quote_id`) REFERENCES `quotes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`signature_sha256`) REFERENCES `files`(`sha256`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`pdf_sha256`) REFERENCES `files`(`sha256`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `quotes` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`external_id` text,
	`number` text NOT NULL,
	`title` text NOT NULL,
	`status` text NOT NULL,
	`currency` text NOT NULL,
	`tax_rate_bp` integer DEFAULT 0 NOT NULL,
	`deposit_rate_bp` integer DEFAULT 0 NOT NULL,
	`notes` text,
	`valid_until` text,
	`revision` integer DEFAULT 1 NOT NULL,
	`content_hash` text NOT NULL,
	`sent_at` integer,
	`responded_at` integer,
	`selection` text DEFAULT '[]' NOT NULL,
	`approved_total` integer,
	`signer_name` text,
	`signed_document_id` text,
	`deposit_invoice_id` text,
	`response_note` text,
	`seq` integer NOT NULL,
	`deleted` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`signed_document_id`) REFERENCES `documents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`deposit_invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `quotes_seq` ON `quotes` (`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `quotes_number` ON `quotes` (`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `quotes_external_id` ON `quotes` (`external_id`);--> statement-breakpoint
CREATE INDEX `quotes_customer` ON `quotes` (`customer_id`,`seq`);