"""Data requests: the ESG team asks suppliers for footprints of chosen materials by a date."""
