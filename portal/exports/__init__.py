"""Building an export package: the ZIP writers (JSON, CSV made safe for spreadsheets, HTML) and the builder that streams
a customer's records into them."""
