-- The board and the API filtered by advisory ("who has not acted on this
-- one?") read a page of that advisory's cases in the list order from its
-- cursor. Without this index SQLite took every case of the advisory (the
-- unique (advisory_id, org_id) index) and sorted them all for each page:
-- 50,000 cases of a broad advisory in every page (BenchmarkBoardFilters).
-- state, last, lets the counts by state beside the page read the index alone.
CREATE INDEX cases_advisory_list ON cases (advisory_id, state <> 'open', due_at, opened_at, id, state);
