DROP TABLE IF EXISTS chat_handoffs;
DROP TABLE IF EXISTS ws_tickets;
