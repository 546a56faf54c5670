-- Lists of cases (the API, the board, the export) are read in pages in this
-- order, unanswered first and most urgent first; the index lets a page start
-- at its cursor instead of sorting every case for each page.
CREATE INDEX cases_list ON cases (state <> 'open', due_at, opened_at, id);
