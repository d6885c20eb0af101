"""What each dashboard page shows, computed: tables, series and sentences for the Data
(`data`), Importance (`importance`), Forecasts (`forecasts`) and Energy (`energy`) pages. No
streamlit and no torch; the pages only draw what these return."""
