"""Files attached to admissions to a panti: the client's photo, signed admission letters, scans of
their documents. Seen only by who may see the admission."""
