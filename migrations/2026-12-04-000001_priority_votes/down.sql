DROP TABLE IF EXISTS priority_votes;
