"""The namespaces of the WCO DEC-DMS and RES-DMS messages (HMRC CDS schema set 3.0)."""

MD = "urn:wco:datamodel:WCO:DocumentMetaData-DMS:2"
DEC = "urn:wco:datamodel:WCO:DEC-DMS:2"
DEC_DS = "urn:wco:datamodel:WCO:Declaration_DS:DMS:2"
RES = "urn:wco:datamodel:WCO:RES-DMS:2"
RES_DS = "urn:wco:datamodel:WCO:Response_DS:DMS:2"


def q(name: str, ns: str = DEC) -> str:
    """'{urn:...DEC-DMS:2}Declaration'"""
    return f"{{{ns}}}{name}"
