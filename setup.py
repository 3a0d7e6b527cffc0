"""For scrapyd-deploy only, which builds its egg with ``python setup.py bdist_egg`` (and would
write a setup.py of its own, packaging every directory, if this one were missing). Everything
about the package, including the ``scrapy`` entry point scrapyd reads, is in pyproject.toml."""

from setuptools import setup

setup()
