"""Customs and the green economy: APEC's List of Environmental Goods, the tariff commitment check, and
environmental goods at the border."""
