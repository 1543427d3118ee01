"""Facility types become data (FacilityType, seeded with the issue's list); the facility's type
column keeps its codes and becomes a foreign key to them, so existing rows keep their types."""

import django.db.models.deletion
from django.db import migrations, models


def seed_types(apps, schema_editor):
    from geogrid.facilities.seed import seed

    seed(apps.get_model("facilities", "FacilityType"))


class Migration(migrations.Migration):

    dependencies = [
        ('facilities', '0001_initial'),
        ('grids', '0005_move_incidents_and_patrols'),
    ]

    operations = [
        migrations.CreateModel(
            name='FacilityType',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='编码')),
                ('name', models.CharField(max_length=50, unique=True, verbose_name='名称')),
                ('icon', models.CharField(help_text='地图标记上显示的一个汉字或符号，如“餐”', max_length=2, verbose_name='图标字')),
                ('color', models.CharField(default='#6a3d9a', help_text='十六进制颜色，如 #e31a1c', max_length=7, verbose_name='颜色')),
                ('description', models.TextField(blank=True, verbose_name='说明')),
                ('active', models.BooleanField(default=True, verbose_name='启用')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='排序')),
            ],
            options={
                'verbose_name': '设施类型',
                'verbose_name_plural': '设施类型',
                'ordering': ['order', 'code'],
            },
        ),
        migrations.AlterModelOptions(
            name='facility',
            options={'ordering': ['facility_type__order', 'facility_type', 'name'], 'verbose_name': '民政设施', 'verbose_name_plural': '民政设施'},
        ),
        migrations.RemoveConstraint(
            model_name='facility',
            name='facility_type_valid',
        ),
        migrations.AddField(
            model_name='facility',
            name='ownership',
            field=models.CharField(choices=[('public', '公办'), ('public_private', '公建民营'), ('private', '民办')], default='public', max_length=20, verbose_name='性质'),
        ),
        migrations.AddField(
            model_name='facility',
            name='status',
            field=models.CharField(choices=[('open', '运营中'), ('planned', '筹建中'), ('suspended', '暂停运营'), ('closed', '已关闭')], default='open', max_length=20, verbose_name='运营状态'),
        ),
        migrations.AlterField(
            model_name='facility',
            name='area',
            field=models.ForeignKey(blank=True, help_text='由位置自动确定', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='facilities', to='grids.adminarea', verbose_name='所在行政区'),
        ),
        migrations.AddConstraint(
            model_name='facilitytype',
            constraint=models.CheckConstraint(condition=models.Q(('color__regex', '^#[0-9a-fA-F]{6}$')), name='facility_type_color_hex'),
        ),
        migrations.AddConstraint(
            model_name='facilitytype',
            constraint=models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='facility_type_name_not_blank'),
        ),
        migrations.AddConstraint(
            model_name='facilitytype',
            constraint=models.CheckConstraint(condition=models.Q(('icon', ''), _negated=True), name='facility_type_icon_not_blank'),
        ),
        migrations.RunPython(seed_types, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='facility',
            name='facility_type',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='facilities', to='facilities.facilitytype', to_field='code', verbose_name='设施类型'),
        ),
        migrations.AddConstraint(
            model_name='facility',
            constraint=models.UniqueConstraint(fields=('facility_type', 'name'), name='facility_type_name_unique'),
        ),
        migrations.AddConstraint(
            model_name='facility',
            constraint=models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='facility_name_not_blank'),
        ),
        migrations.AddConstraint(
            model_name='facility',
            constraint=models.CheckConstraint(condition=models.Q(('ownership__in', ['public', 'public_private', 'private'])), name='facility_ownership_valid'),
        ),
        migrations.AddConstraint(
            model_name='facility',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['open', 'planned', 'suspended', 'closed'])), name='facility_status_valid'),
        ),
    ]
