"""The product's URLs plus the floor view; the product's own urls.py never sees it."""

from django.urls import path

from bench.floor.views import floor_insert
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [path("bench/floor/", floor_insert), *product_urlpatterns]
