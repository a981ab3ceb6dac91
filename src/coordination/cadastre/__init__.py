"""Partnership registry (cadastre des partenariats) and effectiveness evaluation."""
