"""Journeys through the foundation in a real browser."""

from __future__ import annotations

import re

from e2e_helpers import sign_in_as
from playwright.sync_api import Browser, Page, expect

from portal.demo import DEMO_PASSWORD


def test_sign_in_in_english_and_in_chinese(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("邮箱").fill("esg@demo.portal")
    page.get_by_label("密码").fill("wrong password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#sign-in-error")).to_have_text("邮箱或密码不正确。")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#welcome")).to_contain_text("欢迎")
    page.get_by_role("link", name="English").click()
    expect(page.locator("#welcome")).to_contain_text("Welcome")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_admin_invites_a_supplier_user_who_sets_a_password_and_signs_in(
    page: Page,
    browser: Browser,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    sign_in_as(page, live_server.url, "admin@demo.portal")
    page.get_by_role("link", name="Users").first.click()
    page.get_by_label("Email").fill("chen@jchy.example")
    page.get_by_label("Name", exact=True).fill("陈晓")
    page.get_by_label("Role").select_option("supplier")
    page.get_by_label("Supplier company (for supplier users)").select_option(
        label="JCHY · Jincheng Hongyuan Recycled Aluminium Co."
    )
    page.get_by_role("button", name="Create invitation link").click()
    link = page.locator("#invitation-link").input_value()
    assert "/invite/" in link

    invitee = browser.new_context(locale="zh-CN").new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="设置密码")).to_be_visible()
    invitee.get_by_label("新密码（至少 10 个字符）").fill("chen-secure-pass")
    invitee.get_by_label("再次输入密码").fill("chen-secure-pass")
    invitee.get_by_role("button", name="保存密码并登录").click()
    expect(invitee.locator("#current-user")).to_have_text("chen@jchy.example")
    invitee.locator("#sign-out").click()
    invitee.get_by_label("邮箱").fill("chen@jchy.example")
    invitee.get_by_label("密码").fill("chen-secure-pass")
    invitee.get_by_role("button", name="登录").click()
    expect(invitee.locator("#welcome")).to_contain_text("欢迎")

    invitee.goto(link)
    expect(invitee.locator("#error")).to_be_visible()  # the link worked once


def test_supplier_cannot_open_an_admin_page(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    sign_in_as(page, live_server.url, "recycler@demo.portal")
    expect(page.locator("#nav-users")).to_have_count(0)
    response = page.goto(live_server.url + "/admin/users")
    assert response is not None and response.status == 403
    expect(page.locator("#error-message")).to_have_text("You do not have access to this page.")
