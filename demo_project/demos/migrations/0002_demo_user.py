"""A user to log in with on the demo's protected pages: username `demo`, password `demo`.

Demo only: a real project creates users with `manage.py createsuperuser` or its sign-up flow.
Migrating backwards deletes the user again.
"""
from django.contrib.auth.hashers import make_password
from django.db import migrations

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"


def create_demo_user(apps, schema_editor):
    User = apps.get_model("auth", "User")
    if not User.objects.filter(username=DEMO_USERNAME).exists():
        User.objects.create(username=DEMO_USERNAME, password=make_password(DEMO_PASSWORD),
                            first_name="Demo", last_name="User")


def delete_demo_user(apps, schema_editor):
    User = apps.get_model("auth", "User")
    User.objects.filter(username=DEMO_USERNAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("demos", "0001_member"),
        # The latest auth migration, so the historical User has every field it has today.
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_demo_user, delete_demo_user)]
