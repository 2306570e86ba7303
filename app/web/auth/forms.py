"""Account forms. Validation rules live in the domain; these only shape the fields."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class RegisterForm(FlaskForm):
    first_name = StringField("First name", validators=[DataRequired(), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=255)])
    phone = StringField("Phone (optional)", validators=[Length(max=40)])


class ConfirmForm(FlaskForm):
    """The password, chosen once the e-mail's link proves the address."""
    password = PasswordField("Password (at least 8 characters)", validators=[DataRequired()])
    confirm = PasswordField("Repeat the password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")])


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me logged in on this device")


class ForgotForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired()])


class ResetForm(FlaskForm):
    password = PasswordField("New password (at least 8 characters)", validators=[DataRequired()])
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")])


class ProfileForm(FlaskForm):
    first_name = StringField("First name", validators=[DataRequired(), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    phone = StringField("Phone", validators=[Length(max=40)])
    address = StringField("Street address", validators=[Length(max=255)])
    city = StringField("City", validators=[Length(max=100)])
    state = StringField("State", validators=[Length(max=40)])
    zip = StringField("ZIP / postcode", validators=[Length(max=20)])
    sms_notifications = BooleanField("Send me text messages about my bookings")


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password (at least 8 characters)", validators=[DataRequired()])
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), EqualTo("new_password", "The passwords differ.")])
