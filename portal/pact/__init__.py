"""PACT (WBCSD Partnership for Carbon Transparency) exchange: the portal as host and client."""
