ALTER TABLE `payments` ADD `attempt` integer;--> statement-breakpoint
ALTER TABLE `payments` ADD `payment_method_id` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `amount_refunded` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `payments_invoice_attempt` ON `payments` (`invoice_id`,`attempt`);--> statement-breakpoint
CREATE UNIQUE INDEX `payment_methods_provider_ref` ON `payment_methods` (`provider_ref`);