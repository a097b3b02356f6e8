"""Paperless phytosanitary certificates (ePhyto, UN/CEFACT SPSCertificate 17p0): validate, issue, sign,
verify, exchange through an IPPC-style hub, and use in clearance."""
