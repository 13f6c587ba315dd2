"""Adapters that plug the engine into a site generator. Only these modules know one."""
