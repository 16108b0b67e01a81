"""The registration demo's form: a plain Django ModelForm, validated live by the LiveView."""
from django import forms

from .models import Member

RESERVED_USERNAMES = {"admin", "root", "demo", "staff"}


class MemberForm(forms.ModelForm):
    """Sign-up: username and email must be free (checked against the database as you type)."""

    accept_terms = forms.BooleanField(label="I accept the terms")

    class Meta:
        model = Member
        fields = ["username", "email", "full_name"]
        widgets = {
            # Client-side rate limits: the username check queries the database, so wait for a
            # 300 ms pause in typing; the email is checked when the field loses focus.
            "username": forms.TextInput(attrs={"phx-debounce": "300", "autocomplete": "off"}),
            "email": forms.EmailInput(attrs={"phx-debounce": "blur"}),
        }

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].lower()
        if len(username) < 3:
            raise forms.ValidationError("Use at least 3 characters.", code="min_length")
        if username in RESERVED_USERNAMES:
            raise forms.ValidationError("This username is reserved.", code="reserved")
        # The model's unique check is case-sensitive; usernames are not, for people.
        if Member.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("This username is taken.", code="taken")
        return username
