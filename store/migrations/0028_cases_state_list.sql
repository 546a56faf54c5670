-- The board and the API filtered to one state (state=, silent, overdue)
-- read a page of that state's cases in due order from the cursor on; the
-- cases_list index puts every open case before the others, so a page of
-- answered cases scanned past all of them (~85 ms of CPU a page of 100,000
-- cases in BenchmarkBoardFilters). answer_status, last, lets silent and
-- overdue be told from the index alone; the counts by state beside every
-- board page read this index alone, too.
CREATE INDEX cases_state_list ON cases (state, due_at, opened_at, id, answer_status);
