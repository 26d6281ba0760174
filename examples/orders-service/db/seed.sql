-- Rows loaded into the scratch database while shipit verifies the migrations (right after the first
-- revision): two spellings of one email, so the irreversible email merge has work to do.
INSERT INTO customers (id, email, name, created_at) VALUES
  (1, 'Ada@Example.com', 'Ada Lovelace', '2026-11-01 10:00:00+00'),
  (2, ' ada@example.com', '', '2026-11-02 10:00:00+00'),
  (3, 'grace@example.com', 'Grace Hopper', '2026-11-03 10:00:00+00');
INSERT INTO orders (id, customer_id, sku, quantity, unit_price_cents, created_at, shipped_at) VALUES
  (1, 1, 'BOOK-001', 2, 1250, '2026-11-04 09:00:00+00', '2026-11-05 09:00:00+00'),
  (2, 2, 'PEN-002', 1, 990, '2026-11-04 09:30:00+00', NULL),
  (3, 3, 'LAMP-003', 1, 4500, '2026-11-04 10:00:00+00', NULL);
