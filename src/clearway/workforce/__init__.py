"""Women's participation in customs: workforce metrics per administration and year, and a gender-equality
self-assessment modelled on the WCO GEOAT. Only aggregates leave an installation."""
