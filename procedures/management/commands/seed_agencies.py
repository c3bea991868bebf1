from django.core.management.base import BaseCommand

from procedures.agencies import seed_city_agencies


class Command(BaseCommand):
    help = "Create or refresh the city's departments and its 168 commune-level units."

    def handle(self, *args, **options):
        result = seed_city_agencies()
        self.stdout.write(f"Agencies: {result.created} created, {result.updated} updated.")
