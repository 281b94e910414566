"""E-mail tracking: signed open-pixel and click links, and telling machine
hits (scanners, prefetchers) from people."""
