DROP TABLE IF EXISTS reputation_events;
DROP TABLE IF EXISTS reputation_task_cohorts;
DROP TABLE IF EXISTS reputation_aggregates;
